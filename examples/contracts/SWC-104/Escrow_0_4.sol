// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.4.24;

/// @title Escrow
/// @notice Holds a buyer's payment until the buyer or an arbiter releases it to the
///         seller. The release marks the escrow settled even when the payment fails.
contract Escrow {
    address public buyer;
    address public seller;
    address public arbiter;
    uint256 public amount;
    bool public settled;

    event Released(address indexed seller, uint256 amount);
    event Refunded(address indexed buyer, uint256 amount);

    constructor(address _seller, address _arbiter) public payable {
        require(msg.value > 0, "empty escrow");
        require(_seller != address(0) && _arbiter != address(0), "zero address");
        buyer = msg.sender;
        seller = _seller;
        arbiter = _arbiter;
        amount = msg.value;
    }

    function release() public {
        require(msg.sender == buyer || msg.sender == arbiter, "not allowed");
        require(!settled, "already settled");
        settled = true;
        seller.send(amount); // SWC-104
        emit Released(seller, amount);
    }

    function refund() public {
        require(msg.sender == arbiter, "not arbiter");
        require(!settled, "already settled");
        settled = true;
        buyer.transfer(amount);
        emit Refunded(buyer, amount);
    }
}
