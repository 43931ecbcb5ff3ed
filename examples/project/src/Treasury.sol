// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;

import {Ownable} from "@lib/Ownable.sol";
import {Bank} from "./Bank.sol";

/// @title Treasury
/// @notice Holds project funds and parks idle ether in the Bank. Only the owner
///         moves funds, and state is settled before any external call.
contract Treasury is Ownable {
    Bank public immutable bank;
    uint256 public parked;

    event Parked(uint256 amount);
    event Recalled(uint256 amount);
    event Paid(address indexed to, uint256 amount);

    constructor(Bank _bank) {
        bank = _bank;
    }

    receive() external payable {}

    function park(uint256 amount) external onlyOwner {
        require(amount <= address(this).balance, "insufficient funds");
        parked += amount;
        emit Parked(amount);
        bank.deposit{value: amount}();
    }

    function recall(uint256 amount) external onlyOwner {
        require(amount <= parked, "more than parked");
        parked -= amount;
        emit Recalled(amount);
        bank.withdraw(amount);
    }

    function pay(address payable to, uint256 amount) external onlyOwner {
        require(to != address(0), "zero address");
        require(amount <= address(this).balance, "insufficient funds");
        emit Paid(to, amount);
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "payment failed");
    }
}
