// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.7.6;

/// @title FamilyWalletFixed
/// @notice Shared wallet that anyone in the family can top up and only the owner
///         can draw from. Every privileged function authorises with `msg.sender`,
///         the immediate caller, so intermediary contracts cannot act as the owner.
contract FamilyWalletFixed {
    address payable public owner;

    event Deposited(address indexed from, uint256 amount);
    event Withdrawn(uint256 amount);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    constructor() {
        owner = msg.sender;
    }

    receive() external payable {
        emit Deposited(msg.sender, msg.value);
    }

    function withdraw(uint256 amount) external {
        require(msg.sender == owner, "not owner");
        emit Withdrawn(amount);
        owner.transfer(amount);
    }

    function transferOwnership(address payable newOwner) external {
        require(msg.sender == owner, "not owner");
        require(newOwner != address(0), "zero address");
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }
}
